"""The soak suite (`make soak`): real servers on loopback under load and faults (issue 19)."""
