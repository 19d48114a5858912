"""What the public sees without logging in: notice pages, feeds, open data."""
