/**
 * Fault injection: the rule format, its validation and the engine that applies it.
 */
export { FaultEngine, type IFaultEngineOptions } from './fault-engine.js';
export {
  FaultRuleError,
  loadFaultRules,
  maxLatencyMs,
  maxRules,
  parseFaultRule,
  parseFaultRules,
  type FaultKind,
  type IBandwidthFault,
  type IExpireTokenFault,
  type IFaultMatch,
  type IFaultRule,
  type IFaultRuleState,
  type ILatencyFault,
  type IResetFault,
  type IStatusFault,
  type ITruncateFault
} from './fault-rule.js';
export { throttleResponse, truncateResponse } from './response-shaping.js';
