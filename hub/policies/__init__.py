"""Access policies (access tables): rows of access point, schedule, start date and
holiday exceptions; who holds which policy."""
