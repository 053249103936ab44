"""One router per resource; each route only parses, calls the serving engine and shapes the answer."""
