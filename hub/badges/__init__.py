"""Badges (cards): issued and withdrawn, never deleted, every state kept in history."""
