"""Calendar notes: illness, injury, travel and life stress over date ranges (`notes.py`)."""
