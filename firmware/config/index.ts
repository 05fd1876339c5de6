// The router's configuration: schema, immutable model, validation, record format, persistence, password.
export { CONFIG_KEYS, keyDef, LOG_LEVELS, type ApplyMode, type KeyDef, type LogLevel } from './schema';
export { boolType, enumType, intType, ipListType, ipv4Type, parsePortRanges, portRangesType, portSpanType, powerOfTwoType, quoteIfNeeded, textType, wordType, type ConfigValue, type ParseResult, type ValueType } from './valueTypes';
export {
  changedKeys,
  configEquals,
  DEFAULT_CONFIG,
  dhcpConfigOf,
  napptConfigOf,
  getValue,
  newPhoneClass,
  phoneClassesEqual,
  phoneClassKey,
  phoneClassNamed,
  settingsOf,
  withoutPhoneClass,
  withPhoneClass,
  withPhoneClasses,
  withValue,
  type PhoneClass,
  type RouterConfig,
  type RouterSettings,
} from './model';
export { errorsOf, usablePortBlocks, validateConfig, type ConfigProblem } from './validate';
export { CONFIG_RECORD_KEY, CONFIG_VERSION, decodeConfig, encodeConfig, frame, migrateV1, type DecodedConfig, type RecordError } from './record';
export { loadConfig, saveConfig, type LoadOutcome } from './persist';
export { hashPassword, isPasswordHash, verifyPassword, PasswordCheck, PasswordHashing, Pbkdf2Work, PASSWORD_ITERATIONS, ITERATIONS_PER_STEP } from './password';
export { crc32 } from '../util/crc32';
export { LiveConfig, type ConfigListener, type ProposeResult } from './live';
