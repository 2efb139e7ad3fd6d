"""Persons, their classes, custom fields ("titles" with allowed "elements"), locations,
and the group hierarchy."""
