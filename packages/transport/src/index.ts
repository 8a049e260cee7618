// @ipfrs/transport: under construction
export {}
