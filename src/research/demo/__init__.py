"""Demo data: seeded generators of the SYNTHETIC survey, workshop and rubric exports."""
