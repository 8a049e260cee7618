// @ipfrs/tensorlogic: under construction
export {}
