"""One router module per area of the web app; ``create_app`` includes them."""
