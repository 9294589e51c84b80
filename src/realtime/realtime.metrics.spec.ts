import { MetricsService } from '../metrics/metrics.service';
import { RealtimeMetrics } from './realtime.metrics';

/** The value of one sample line of the text exposition, or undefined when there is none. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('RealtimeMetrics', () => {
  it('exposes the auth attempts counted since start, by method and result, at every scrape', async () => {
    const m = new MetricsService();
    const metrics = new RealtimeMetrics(m);
    metrics.authAttempt('header', 'ok');
    metrics.authAttempt('header', 'ok');
    metrics.authAttempt('message', 'timeout');
    let text = await m.render();
    expect(sample(text, 'portcullis_ws_auth_attempts_total{method="header",result="ok"}')).toBe(2);
    expect(sample(text, 'portcullis_ws_auth_attempts_total{method="message",result="timeout"}')).toBe(1);
    expect(sample(text, 'portcullis_ws_auth_attempts_total{method="message",result="ok"}')).toBeUndefined();
    metrics.authAttempt('header', 'ok');
    text = await m.render();
    expect(sample(text, 'portcullis_ws_auth_attempts_total{method="header",result="ok"}')).toBe(3);
    expect(text).toContain('# TYPE portcullis_ws_auth_attempts_total counter');
  });

  it('exposes live sockets by endpoint, down to 0 once they close', async () => {
    const m = new MetricsService();
    const metrics = new RealtimeMetrics(m);
    metrics.liveChanged('/ws/a', 1);
    metrics.liveChanged('/ws/a', 1);
    metrics.liveChanged('/ws/b', 1);
    let text = await m.render();
    expect(sample(text, 'portcullis_ws_connections{endpoint="/ws/a"}')).toBe(2);
    expect(sample(text, 'portcullis_ws_connections{endpoint="/ws/b"}')).toBe(1);
    metrics.liveChanged('/ws/a', -1);
    metrics.liveChanged('/ws/a', -1);
    text = await m.render();
    expect(sample(text, 'portcullis_ws_connections{endpoint="/ws/a"}')).toBe(0);
    expect(text).toContain('# TYPE portcullis_ws_connections gauge');
  });
});
