"""The executable Docker cookbook: helpers shared by the chapter notebooks."""
