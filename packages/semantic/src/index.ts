// @ipfrs/semantic: under construction
export {}
