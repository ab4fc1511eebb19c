import type { Config } from '../src/config.js';
import type { FollowupRules } from '../src/followups/rules.js';
import type { Logger } from '../src/logger.js';
import type { PhaseBridge } from '../src/phase/bridge.js';
import type { Purgatory } from '../src/purgatory.js';
import type { AnswerService } from '../src/slack/answer-service.js';
import type { AnswererCheck } from '../src/slack/answerers.js';
import type { CardStateReader } from '../src/slack/card-state.js';
import type { SlackDirectory } from '../src/slack/directory.js';
import type { HomePublisher } from '../src/slack/home.js';

/** What Slack listeners need; built once by the composition root. */
export interface HandlerDeps {
  config: Config;
  logger: Logger;
  purgatory: Purgatory;
  answers: AnswerService;
  mayAnswer: AnswererCheck;
  directory: SlackDirectory;
  cardState: CardStateReader;
  publishHome: HomePublisher;
  rules: FollowupRules;
  phase: PhaseBridge;
}
