// Small stand-ins for expo-video and expo-audio (native players): they record what the app asked for
// and let tests drive playback state.
import { createElement, useState, useSyncExternalStore } from 'react';
import { View } from 'react-native';

type Listener = () => void;

export class FakeAudioPlayer {
  playing = false;
  currentTime = 0;
  duration = 12;
  private listeners = new Set<Listener>();
  constructor(readonly source: unknown) {}
  private changed() {
    this.snapshot = this.makeSnapshot();
    for (const l of [...this.listeners]) l();
  }
  private makeSnapshot() {
    return {
      playing: this.playing,
      currentTime: this.currentTime,
      duration: this.duration,
      didJustFinish: false,
      isLoaded: true,
    };
  }
  snapshot = this.makeSnapshot();
  subscribe = (listener: Listener) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };
  play = jest.fn(() => {
    this.playing = true;
    this.changed();
  });
  pause = jest.fn(() => {
    this.playing = false;
    this.changed();
  });
  seekTo = jest.fn(async (seconds: number) => {
    this.currentTime = seconds;
    this.changed();
  });
  /** The clip played to its end. */
  finish() {
    this.playing = false;
    this.currentTime = this.duration;
    this.changed();
  }
}

export class FakeVideoPlayer {
  playing = false;
  currentTime = 0;
  duration = 20;
  loop = false;
  staysActiveInBackground = false;
  showNowPlayingNotification = false;
  allowsExternalPlayback = true;
  private listeners = new Map<string, Set<(payload?: unknown) => void>>();
  constructor(readonly source: unknown) {}
  addListener = (event: string, listener: (payload?: unknown) => void) => {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
    return { remove: () => set.delete(listener) };
  };
  private emit(event: string, payload?: unknown) {
    for (const l of [...(this.listeners.get(event) ?? [])]) l(payload);
  }
  private setPlaying(playing: boolean) {
    const oldIsPlaying = this.playing;
    this.playing = playing;
    if (oldIsPlaying !== playing) this.emit('playingChange', { isPlaying: playing, oldIsPlaying });
  }
  play = jest.fn(() => this.setPlaying(true));
  pause = jest.fn(() => this.setPlaying(false));
  seekBy = jest.fn((seconds: number) => {
    this.currentTime = Math.max(0, this.currentTime + seconds);
  });
  replay = jest.fn(() => {
    this.currentTime = 0;
    this.setPlaying(true);
  });
  /** The clip played to its end (`playToEnd`, as the native player reports it). */
  finish() {
    this.currentTime = this.duration;
    this.setPlaying(false);
    this.emit('playToEnd');
  }
}

export const audioPlayers: FakeAudioPlayer[] = [];
export const videoPlayers: FakeVideoPlayer[] = [];

export const audio = {
  useAudioPlayer: jest.fn((source: unknown) => {
    const [player] = useState(() => {
      const p = new FakeAudioPlayer(source);
      audioPlayers.push(p);
      return p;
    });
    return player;
  }),
  useAudioPlayerStatus: jest.fn((player: FakeAudioPlayer) =>
    useSyncExternalStore(player.subscribe, () => player.snapshot),
  ),
  setAudioModeAsync: jest.fn(async () => undefined),
};

export const video = {
  useVideoPlayer: jest.fn((source: unknown, setup?: (player: FakeVideoPlayer) => void) => {
    const [player] = useState(() => {
      const p = new FakeVideoPlayer(source);
      videoPlayers.push(p);
      setup?.(p);
      return p;
    });
    return player;
  }),
  VideoView: (props: Record<string, unknown>) => createElement(View, props),
};

export function resetFakeMedia() {
  audioPlayers.length = 0;
  videoPlayers.length = 0;
}
