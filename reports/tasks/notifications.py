"""Workflow notification tasks (mail on transitions, deadline reminders)."""
