/** Types for the parts of fs-native-extensions (advisory file locks) that the cache uses. */
declare module 'fs-native-extensions' {
  interface LockOptions {
    /** Request a shared (read) lock instead of an exclusive one. */
    shared?: boolean;
  }
  interface FsNativeExtensions {
    tryLock(fd: number, opts?: LockOptions): boolean;
    waitForLockSync(fd: number, opts?: LockOptions): void;
    tryUpgradeLock(fd: number): boolean;
    waitForDowngradeLockSync(fd: number): void;
    unlock(fd: number): void;
  }
  const fsx: FsNativeExtensions;
  export default fsx;
}
