import { parseOpenFilesLimit, socketCapacity, socketLimit } from './open-files';

const LIMITS = (soft: string, hard = 'unlimited') => [
  'Limit                     Soft Limit           Hard Limit           Units     ',
  'Max processes             96367                96367                processes ',
  `Max open files            ${soft.padEnd(20)} ${hard.padEnd(20)} files     `,
  'Max locked memory         8388608              8388608              bytes     ',
].join('\n');

describe('parseOpenFilesLimit', () => {
  it('reads the soft limit', () => {
    expect(parseOpenFilesLimit(LIMITS('1024', '1048576'))).toBe(1024);
    expect(parseOpenFilesLimit(LIMITS('20000', '20000'))).toBe(20000);
  });
  it('has no figure for "unlimited" or a text without the line', () => {
    expect(parseOpenFilesLimit(LIMITS('unlimited'))).toBeUndefined();
    expect(parseOpenFilesLimit('Max processes 10 10 processes')).toBeUndefined();
  });
});

describe('socketCapacity', () => {
  it('keeps WS_MAX_CONNECTIONS when the limit leaves room for it and the reserve', () => {
    expect(socketCapacity(20000, 65536)).toEqual({ max: 20000, capped: false });
    expect(socketCapacity(20000, 20256)).toEqual({ max: 20000, capped: false });
    expect(socketCapacity(500, 1024)).toEqual({ max: 500, capped: false });
  });
  it('caps it below the limit, keeping 256 descriptors (a quarter of a small limit) for the rest', () => {
    expect(socketCapacity(20000, 20000)).toEqual({ max: 19744, capped: true });
    expect(socketCapacity(20000, 1024)).toEqual({ max: 768, capped: true });
    expect(socketCapacity(20000, 128)).toEqual({ max: 96, capped: true });
    expect(socketCapacity(20000, 1)).toEqual({ max: 1, capped: true });
  });
  it('keeps it where no limit is known', () => {
    expect(socketCapacity(20000, undefined)).toEqual({ max: 20000, capped: false });
  });
});

describe('socketLimit', () => {
  const sink = () => {
    const lines: { level: string; fields: object; msg: string }[] = [];
    return { lines, warn: (fields: object, msg: string) => lines.push({ level: 'warn', fields, msg }), log: (fields: object, msg: string) => lines.push({ level: 'info', fields, msg }) };
  };
  it('warns, naming both figures, when WS_MAX_CONNECTIONS was set above what the limit allows', () => {
    const log = sink();
    expect(socketLimit(5000, true, log, 1024)).toBe(768);
    expect(log.lines).toEqual([{ level: 'warn', fields: { WS_MAX_CONNECTIONS: 5000, openFilesLimit: 1024, maxSockets: 768 }, msg: expect.stringContaining('ulimit -n') }]);
  });
  it('says so at info when only the default is above it', () => {
    const log = sink();
    expect(socketLimit(20000, false, log, 20000)).toBe(19744);
    expect(log.lines).toEqual([{ level: 'info', fields: { openFilesLimit: 20000, maxSockets: 19744 }, msg: expect.stringContaining('open-files limit') }]);
  });
  it('says nothing when the limit leaves room', () => {
    const log = sink();
    expect(socketLimit(20000, true, log, 65536)).toBe(20000);
    expect(socketLimit(20000, false, log, 1 << 20)).toBe(20000);
    expect(log.lines).toEqual([]);
  });
});
