// The TFTP server on the LAN: phone software from the flash store, per-phone provisioning files,
// uploads inside a console-opened window.
export { TftpServer, TFTP_PORT, type TftpServerOptions, type TftpStatus, type TransferInfo } from './server';
export { UploadWindows, MAX_UPLOAD_WINDOWS, type UploadWindow, type OpenUploadWindow, type WindowOpening } from './uploadWindows';
export { TransferHistory, type TransferRecord } from './history';
export { ReadTransfer, type TransferEnd, type Send } from './readTransfer';
export { WriteTransfer, type Chunk } from './writeTransfer';
export { negotiate, type Negotiated, type Refused } from './options';
export { DEFAULT_LIMITS, BLOCK_OVERHEAD, type TftpLimits, type TransferParams } from './params';
export { wireBlock, seqDelta, type RolloverTo } from './blockNumbers';
export { NetasciiEncoder, NetasciiDecoder, netasciiLength } from './netascii';
export { ItemSource, BytesSource, NetasciiSource, type BlockSource } from './source';
export { checkName, checkUploadName, NAME_REFUSALS, MAX_NAME_LENGTH, TEMPLATE_ITEM_PREFIX, type NameCheck } from './names';
export { matchProvisioningName, resolveTemplate, provisioningVars, type ProvisioningName } from './provisioning';
export { renderTemplate, type RenderResult } from './render';
export { SHIPPED_TEMPLATES, type TemplateId } from './templates';
export { attachTftp } from './attach';
