"""In-app notifications: reading, marking read, and which of their links still open."""
