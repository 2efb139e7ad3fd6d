"""Access points, their groups, rooms and doors, controllers and their reader heads."""
