// The recording tools the browser entry gives: filled in by their own change.
export {};
