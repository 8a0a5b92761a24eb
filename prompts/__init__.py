"""Prompt files and brief templates: shipped inside the package as `briefing.prompt_files`."""
