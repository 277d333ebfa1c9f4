"""The conversation: one typed event stream (`agent.stream.stream`) over a LangGraph graph around a
pydantic-ai coach. Import from the submodules (`agent.stream`, `agent.events`); this package imports nothing
heavy itself."""
