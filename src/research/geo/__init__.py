"""Geography: the municipality classification, mergers, sub-regions, regions and areas."""
