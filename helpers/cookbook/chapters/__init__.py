"""One subpackage per chapter: the code behind its recipes. Chapters never import each other."""
