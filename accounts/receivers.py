"""Signal receivers of the accounts app (filled in by the invitation and deletion code)."""
