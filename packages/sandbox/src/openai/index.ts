export { OpenAiStandIn, SANDBOX_MODELS } from './OpenAiStandIn';
export {
  PROPOSE_TEMPLATE_TOOL,
  PROPOSE_TOOL,
  PROPOSE_WAIVER_TOOL,
  answerFor,
} from './standInBrain';
export type { StandInMode, StandInReply } from './standInBrain';

/** The stand-in model's fixed, documented sandbox-only key. */
export const SANDBOX_OPENAI_API_KEY = 'sk-portolan-sandbox';
