"""The public website's templates and assets (index.html, apologies.html, assets/) and their renderer."""
