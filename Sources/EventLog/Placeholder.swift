// The EventLog module. Its parts arrive with the issues that need them.
