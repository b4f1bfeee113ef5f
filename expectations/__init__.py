"""Great Expectations suites (JSON under suites/, reviewed like code) and the runner that applies them."""
