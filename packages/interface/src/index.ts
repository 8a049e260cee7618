// @ipfrs/interface: under construction
export {}
