"""Each role's home page: the top of the dependency chain, it reads from every app."""
