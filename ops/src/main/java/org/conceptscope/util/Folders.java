package org.conceptscope.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** Folder trees: deleted without following links, and replaced as a whole. */
public final class Folders {

	/** The hidden sibling an old folder is moved to while {@link #replace} puts the new one in its place. */
	public static final String OLD = ".conceptscope-old-";

	private Folders() {}

	/** Deletes a folder tree (a link is deleted, not followed); nothing when it does not exist. */
	public static void deleteTree(Path root) throws IOException {
		if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
		try (Stream<Path> s = Files.walk(root)) {
			for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
		} catch (UncheckedIOException e) {
			throw e.getCause();
		}
	}

	/** Deletes what it can of a temporary folder tree, quietly: it never fails the work it cleans up after. */
	public static void deleteTreeQuietly(Path root) {
		if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
		try (Stream<Path> s = Files.walk(root)) {
			for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
				try {
					Files.deleteIfExists(p);
				} catch (IOException e) {
					// left for the OS to clean
				}
			}
		} catch (IOException | UncheckedIOException e) {
			// same
		}
	}

	/**
	 * Puts a finished folder in the place of {@code target}: an existing target is moved aside first
	 * (a hidden {@value #OLD} sibling), the new folder moved in, and the old one deleted (quietly: the new
	 * folder is in place, and what cannot be deleted is left hidden); if the second move fails the old
	 * folder goes back. Both moves are renames in one parent folder.
	 */
	public static void replace(Path finished, Path target) throws IOException {
		if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
			Files.move(finished, target, StandardCopyOption.ATOMIC_MOVE);
			return;
		}
		Path old = target.resolveSibling("." + target.getFileName() + OLD + Long.toUnsignedString(System.nanoTime(), 36));
		Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
		try {
			Files.move(finished, target, StandardCopyOption.ATOMIC_MOVE);
		} catch (IOException e) {
			Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
			throw e;
		}
		deleteTreeQuietly(old);
	}
}
