"""Running reports: the unit matrix, kernels and executors, rendering and the manifest."""
