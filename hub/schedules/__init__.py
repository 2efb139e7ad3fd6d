"""Schedules (weekly, cyclic N-day, one-day holiday schedules) and holiday lists."""
