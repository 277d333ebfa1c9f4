"""RunCoach's tools for other agents, over the Model Context Protocol (`runcoach mcp`).

`server` adapts the tool registry to MCP, `consent` holds the athlete approvals that side-effecting
tools need, `auth` checks personal API tokens, `stdio` and `http` are the two transports.
"""
