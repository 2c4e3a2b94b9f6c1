"""What the reader touches: recipes, the session, tables, forms, magics, diagrams, exercises."""
