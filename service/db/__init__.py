"""SQL storage: models, engine set-up and migrations. Clear columns hold codes and flags only."""
