// The Transport module. Its parts arrive with the issues that need them.
