"""Experiments layer: replications, sweeps, goal-seeking, capacity, compare, golden files,
calibration, executors."""
