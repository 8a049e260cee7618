/** The node's agent version (`ipfrs id`'s AgentVersion); `ipfrs version` prints its number. */
export const AGENT_VERSION = 'ipfrs/0.1.0'
