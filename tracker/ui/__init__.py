"""tracker.ui: adapter package (filled by later milestones)."""
