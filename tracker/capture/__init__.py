"""tracker.capture: adapter package (filled by later milestones)."""
