import assert from 'node:assert/strict';
import { ProgressReporter } from '../display/progress';
import type { IDisplay, IDisplaySink } from '../display/sink';

/** A display sink that records what would have been shown (the kernel is an external boundary). */
class RecordingSink implements IDisplaySink {
  readonly shown: { at: number; html: string; display: number }[] = [];
  displays = 0;
  readonly display: IDisplay = this._make(-1);
  newDisplay(): IDisplay {
    return this._make(this.displays++);
  }
  private _make(id: number): IDisplay {
    return {
      html: (html: string) => this.shown.push({ at: Date.now(), html, display: id }),
      text: () => {
        throw new Error('progress should use html');
      }
    };
  }
}

describe('ProgressReporter', () => {
  // Only setTimeout/clearTimeout and Date are faked, as the reporter uses nothing else.
  beforeEach(() =>
    jest.useFakeTimers({
      now: 0,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval'
      ]
    })
  );
  afterEach(() => jest.useRealTimers());

  describe('#update', () => {
    it('should render the first update at once and then at most once per 100 ms', () => {
      const sink = new RecordingSink();
      const p = new ProgressReporter(sink, 'Downloading');
      for (let t = 0; t < 1000; t += 5) {
        p.update({ bytes: t * 1000 });
        jest.advanceTimersByTime(5);
      }
      assert.ok(sink.shown.length >= 9 && sink.shown.length <= 11, `${sink.shown.length} renders`);
      for (let i = 1; i < sink.shown.length; i++) {
        assert.ok(sink.shown[i].at - sink.shown[i - 1].at >= 100, 'throttled to 10 Hz');
      }
      assert.equal(sink.displays, 1, 'one updatable display');
      assert.ok(sink.shown.every(s => s.display === 0));
    });

    it('should flush the latest pending update after the interval', () => {
      const sink = new RecordingSink();
      const p = new ProgressReporter(sink, 'Downloading');
      p.update({ bytes: 1 });
      p.update({ bytes: 2 });
      p.update({ bytes: 3_000 });
      assert.equal(sink.shown.length, 1);
      jest.advanceTimersByTime(100);
      assert.equal(sink.shown.length, 2);
      assert.ok(sink.shown[1].html.includes('3.00 kB'));
    });
  });

  describe('#finish', () => {
    it('should always show the final state at once, and ignore later updates', () => {
      const sink = new RecordingSink();
      const p = new ProgressReporter(sink, 'Parsing');
      p.update({ rows: 1 });
      jest.advanceTimersByTime(10);
      p.update({ rows: 500 }); // throttled
      p.finish('done', { rows: 1000 });
      assert.equal(sink.shown.length, 2);
      const last = sink.shown[sink.shown.length - 1].html;
      assert.ok(last.includes('1,000 rows'));
      assert.ok(last.includes('jp-mod-done'));
      p.update({ rows: 2000 });
      jest.advanceTimersByTime(1000);
      assert.equal(sink.shown.length, 2, 'nothing after finish, no stray timer render');
      assert.equal(p.finished, true);
    });

    it('should compute the rate from bytes over elapsed time', () => {
      const sink = new RecordingSink();
      const p = new ProgressReporter(sink, 'Uploading');
      jest.advanceTimersByTime(2000);
      p.finish('done', { bytes: 4_000_000 });
      assert.equal(p.state.rate, 2_000_000);
      assert.ok(sink.shown[0].html.includes('2.00 MB/s'));
    });
  });

  describe('without a sink', () => {
    it('should keep state and show nothing', () => {
      const p = new ProgressReporter(undefined, 'Quiet');
      p.update({ bytes: 10 });
      p.finish('failed', { message: 'oops' });
      assert.equal(p.state.status, 'failed');
      assert.equal(p.state.bytes, 10);
    });
  });

  describe('with a display that throws', () => {
    it('should drop the display and keep working', () => {
      let calls = 0;
      const sink: IDisplaySink = {
        display: { html: () => undefined, text: () => undefined },
        newDisplay: () => ({
          html: () => {
            calls++;
            throw new Error('Not ready');
          },
          text: () => undefined
        })
      };
      const p = new ProgressReporter(sink, 'x');
      p.update({ bytes: 1 });
      jest.advanceTimersByTime(200);
      p.update({ bytes: 2 });
      p.finish();
      assert.equal(calls, 1);
      assert.equal(p.state.status, 'done');
    });
  });
});
