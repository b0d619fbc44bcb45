"""Settings package: base (shared), local (default, embedded services), test, production."""
