"""tracker.sync: adapter package (filled by later milestones)."""
