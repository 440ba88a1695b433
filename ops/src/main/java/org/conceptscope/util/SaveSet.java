package org.conceptscope.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files one user action saves, appearing together or not at all. While a set is open on a thread,
 * every {@link AtomicWrite} on that thread writes and syncs its hidden temporary file as usual but
 * leaves the target alone; {@link #commit()} then moves them all into place, so that a failure or a
 * cancel midway (a full disk at the fourth of six files) leaves the old results as they were, not
 * new files beside old ones. Closing a set that was not committed deletes its temporary files and
 * the folders it created.
 * <p>
 * A set opened while another is open on the thread joins it: its commit and close leave the work to
 * the outer set, so a save that calls other saves (a class folder inside a per-class run) stays one set.
 * Files written inside a set cannot be read back before the commit; writes from other threads are not
 * part of it.
 */
public final class SaveSet implements AutoCloseable {

	/** What a staged step does at the commit, and what undoes its preparation when there is none. */
	@FunctionalInterface
	public interface Step {
		void run() throws IOException;
	}

	/** Saves files into the set it is given. */
	@FunctionalInterface
	public interface Saving<T> {
		T save(SaveSet set) throws IOException;
	}

	private record Staged(Step commit, Step discard) {}

	private static final ThreadLocal<SaveSet> OPEN = new ThreadLocal<>();

	private final SaveSet outer;
	private final List<Staged> staged;
	private boolean done;

	private SaveSet(SaveSet outer) {
		this.outer = outer;
		this.staged = outer == null ? new ArrayList<>() : null;
	}

	/** Opens a set on this thread, or joins the one already open. */
	public static SaveSet open() {
		SaveSet current = OPEN.get();
		if (current != null && !current.done) return new SaveSet(current);
		SaveSet set = new SaveSet(null);
		OPEN.set(set);
		return set;
	}

	/** Runs the saves as one set (or as part of the set already open) and commits it; on any failure nothing of it is kept. */
	public static <T> T all(Saving<T> saving) throws IOException {
		try (SaveSet set = open()) {
			T saved = saving.save(set);
			set.commit();
			return saved;
		}
	}

	/** The set open on this thread, or null: writes then go into place at once. */
	public static SaveSet current() {
		SaveSet current = OPEN.get();
		return current == null || current.done ? null : current;
	}

	/**
	 * A step for the commit (a finished temporary file moved over its target) and how to discard it
	 * if the set is not committed (the temporary file deleted). Steps commit in the order staged.
	 */
	public void stage(Step commit, Step discard) {
		SaveSet root = root();
		if (root.done) throw new IllegalStateException("This set of files is already committed or closed.");
		root.staged.add(new Staged(commit, discard));
	}

	/** A finished, synced temporary file that the commit moves over {@code target}. */
	public void stageFile(Path temp, Path target) {
		stage(() -> AtomicWrite.moveIntoPlace(temp, target), () -> AtomicWrite.deleteQuietly(temp));
	}

	/** An old file that goes at the commit (a result that the new set no longer has). */
	public void deleteAtCommit(Path file) {
		stage(() -> Files.deleteIfExists(file), () -> {});
	}

	/**
	 * Creates the folder and any missing parents now, as {@link Files#createDirectories} does; those
	 * this call created are removed again, if still empty, when the set is not committed.
	 */
	public Path createDirectories(Path dir) throws IOException {
		List<Path> created = new ArrayList<>();
		for (Path p = dir.toAbsolutePath().normalize(); p != null && !Files.exists(p); p = p.getParent()) created.add(p);
		Files.createDirectories(dir);
		stage(() -> {}, () -> {
			for (Path p : created) Files.deleteIfExists(p); // innermost first; a folder something else wrote into stays
		});
		return dir;
	}

	/** Moves every staged file into place (outer set); a joined set leaves this to the outer one. */
	public void commit() throws IOException {
		if (outer != null) return;
		if (done) throw new IllegalStateException("This set of files is already committed or closed.");
		done = true;
		try {
			for (int i = 0; i < staged.size(); i++) {
				try {
					staged.get(i).commit().run();
				} catch (IOException | RuntimeException e) {
					// a rename failed (rare: no space is needed); what was not yet moved is discarded
					for (int j = staged.size() - 1; j > i; j--) discardQuietly(staged.get(j));
					discardQuietly(staged.get(i));
					throw e;
				}
			}
		} finally {
			staged.clear();
			if (OPEN.get() == this) OPEN.remove();
		}
	}

	/** Discards everything staged unless committed (outer set); a joined set leaves this to the outer one. */
	@Override
	public void close() {
		if (outer != null || done) return;
		done = true;
		try {
			for (int i = staged.size() - 1; i >= 0; i--) discardQuietly(staged.get(i));
		} finally {
			staged.clear();
			if (OPEN.get() == this) OPEN.remove();
		}
	}

	private SaveSet root() {
		return outer != null ? outer : this;
	}

	private static void discardQuietly(Staged s) {
		try {
			s.discard().run();
		} catch (IOException | RuntimeException e) {
			// the failure that stopped the set is the one to report; a leftover temporary file ends in .part
		}
	}
}
