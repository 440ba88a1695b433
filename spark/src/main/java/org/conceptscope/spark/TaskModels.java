package org.conceptscope.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.util.Folders;

/**
 * The models a task thread has open, kept for the thread's next tasks: an executor loads each
 * shipped model once per thread, not once per task. A predictor is not shared between threads.
 * <p>
 * What opening a model unpacks (a bioimage.io package's work folder: the package and its weights unpacked)
 * goes into one folder per JVM, {@link #workDir()}, deleted when the JVM exits: a kept model is never closed
 * (a task thread may use it until then), and a model's own folder was otherwise left in the temporary folder
 * for every task thread of every executor, after the JVM exited too. A model closed to make room removes its
 * own folder at once. A JVM killed outright runs no shutdown hook: the next JVM to make its folder in the same
 * temporary folder removes the one it left ({@link #removeStale}).
 */
final class TaskModels {

	/** Kept open per thread at least; the least recently used beyond are closed. */
	private static final int KEPT = 17;

	/** Least recently used first; never fewer kept than the largest set one task used at once. */
	private static final class Open extends LinkedHashMap<Path, Classifier> {
		int capacity = KEPT;

		Open() {
			super(16, 0.75f, true);
		}

		@Override
		protected boolean removeEldestEntry(Map.Entry<Path, Classifier> eldest) {
			if (size() <= capacity) return false;
			eldest.getValue().close();
			return true;
		}
	}

	private static final ThreadLocal<Open> OPEN = ThreadLocal.withInitial(Open::new);

	private TaskModels() {}

	static Classifier open(Path model) {
		return OPEN.get().computeIfAbsent(model, TaskModels::openOwned);
	}

	/**
	 * A model the caller owns (closes), its unpacked files in {@link #workDir()}: the batch job's task threads keep
	 * theirs until a part of another run comes ({@code BatchJob.computePart}), so most are never closed.
	 */
	static Classifier openOwned(Path model) {
		return Classifiers.open(model, LoadOptions.defaults().withWorkDir(workDir()));
	}

	/** This JVM's folder for what the task models unpack, made at the first model and deleted when the JVM exits. */
	private static Path workDir;

	/** The start of a {@link #workDir} folder's name (the temporary folder's own random part follows the owner's process). */
	static final String PREFIX = "conceptscope-task-models-";

	/** The file in a {@link #workDir} folder that says which process made it: only a folder with it is ever removed by another JVM. */
	static final String OWNER = ".conceptscope-task-models-owner";

	/**
	 * {@link #workDir}, made now when it is not yet: a folder that cannot be made fails this task in one
	 * sentence, and the next task tries again (a failing static initialiser would fail every later task
	 * with a NoClassDefFoundError instead). Making it also removes the folders JVMs that are gone left beside it
	 * (an executor killed outright runs no shutdown hook): see {@link #removeStale}.
	 */
	static synchronized Path workDir() {
		if (workDir != null) return workDir;
		Owner self = Owner.current();
		Path dir;
		try {
			// the name says whose it is (process and start), the owner file says it is ours and complete
			dir = Files.createTempDirectory(self == null ? PREFIX : PREFIX + self.pid + "-" + self.start + "-");
			if (self != null) {
				try {
					Files.writeString(dir.resolve(OWNER), self.text(), StandardCharsets.UTF_8);
				} catch (IOException e) {
					Folders.deleteTreeQuietly(dir);
					throw e;
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot create a temporary folder in " + System.getProperty("java.io.tmpdir") + " for the task's"
				+ " models: " + e.getMessage() + ". Check that the temporary folder is writable and has space (java.io.tmpdir).", e);
		}
		// the files only: the models are not closed here, as a task thread may still use one while the JVM exits (their memory
		// goes with the JVM); their files were read when they were opened
		Runtime.getRuntime().addShutdownHook(new Thread(() -> Folders.deleteTreeQuietly(dir), "conceptscope-task-models-cleanup"));
		workDir = dir;
		if (self != null) removeStale(dir, self);
		return dir;
	}

	/**
	 * Removes the {@link #workDir} folders beside {@code ours} that JVMs now gone made (an executor killed with
	 * {@code kill -9} or by the out-of-memory killer runs no shutdown hook, and left its folder, with a whole unpacked
	 * model package, in the temporary folder; a cluster that restarts executors piled them up). A folder is removed
	 * only when all of these hold: its name is {@value #PREFIX}{@code <pid>-<start>-*}, it is a folder (not a link)
	 * of this folder's owner holding the {@value #OWNER} file with that process and start, made on this machine
	 * since its last boot in this process namespace (a container sharing the temporary folder has processes of its
	 * own), and no process {@code <pid>} that started at {@code <start>} runs (none runs, or the number is another's
	 * now). Anything else is left, a folder of a live JVM above all; nothing here ever fails the task.
	 */
	static void removeStale(Path ours, Owner self) {
		Path temp = ours.toAbsolutePath().getParent();
		try (DirectoryStream<Path> s = Files.newDirectoryStream(temp, PREFIX + "*")) {
			UserPrincipal user = Files.getOwner(ours, LinkOption.NOFOLLOW_LINKS);
			for (Path dir : s) {
				if (dir.getFileName().equals(ours.getFileName())) continue;
				try {
					if (isStale(dir, user, self)) Folders.deleteTreeQuietly(dir);
				} catch (IOException | RuntimeException e) {
					// left as it is: another JVM removed it meanwhile, or it is not ours to judge
				}
			}
		} catch (IOException | RuntimeException e) {
			// the temporary folder cannot be listed: nothing removed
		}
	}

	private static boolean isStale(Path dir, UserPrincipal user, Owner self) throws IOException {
		if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || !user.equals(Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS))) return false;
		Path file = dir.resolve(OWNER);
		if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > 4096) return false;
		Owner owner = Owner.parse(Files.readString(file, StandardCharsets.UTF_8));
		if (owner == null || !dir.getFileName().toString().startsWith(PREFIX + owner.pid + "-" + owner.start + "-")) return false;
		if (!owner.boot.equals(self.boot) || !owner.namespace.equals(self.namespace)) return false;
		String start = Owner.start(owner.pid);
		// no such process now (its /proc entry gone), or the number is another process's (a later start); a process
		// whose entry cannot be read (/proc mounted with hidepid) is kept
		return start == null ? !Files.exists(Path.of("/proc", Long.toString(owner.pid))) : !start.equals(owner.start);
	}

	/**
	 * A process as Linux names it for good: its number, its start (clock ticks since boot, exact and the same for
	 * every reader, unlike the wall-clock start {@link ProcessHandle.Info#startInstant()} derives from it), the boot
	 * and the process namespace. Null where these cannot be read (not Linux): then no folder is judged stale.
	 */
	record Owner(long pid, String start, String boot, String namespace) {

		static Owner current() {
			try {
				long pid = ProcessHandle.current().pid();
				// read through /proc/self, whose first field must be our own number: a /proc that is not this namespace's
				// (the host's mounted in a container) would otherwise give another process's start, and the folder would
				// be judged by that process's life
				String self = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.UTF_8);
				if (!self.startsWith(pid + " ")) return null;
				String start = start(pid);
				String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).trim();
				String namespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
				if (start == null || !boot.matches("[0-9a-f-]{8,64}") || !namespace.matches("pid:\\[\\d+\\]")) return null;
				return new Owner(pid, start, boot, namespace);
			} catch (IOException | RuntimeException e) {
				return null;
			}
		}

		/** The start of process {@code pid} in clock ticks since boot (field 22 of /proc/pid/stat); null when it cannot be read. */
		static String start(long pid) {
			try {
				String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
				// the command name (field 2) is in parentheses and may hold spaces and parentheses: the fields from 3 follow the last ')'
				String[] fields = stat.substring(stat.lastIndexOf(')') + 1).trim().split("\\s+");
				String start = fields.length > 19 ? fields[19] : "";
				return start.matches("\\d{1,20}") ? start : null;
			} catch (IOException | RuntimeException e) {
				return null;
			}
		}

		String text() {
			return "pid=" + pid + "\nstart=" + start + "\nboot=" + boot + "\nnamespace=" + namespace + "\n";
		}

		static Owner parse(String text) {
			Map<String, String> keys = new HashMap<>();
			for (String line : text.split("\n")) {
				int eq = line.indexOf('=');
				if (eq > 0) keys.put(line.substring(0, eq), line.substring(eq + 1).trim());
			}
			String pid = keys.get("pid"), start = keys.get("start"), boot = keys.get("boot"), namespace = keys.get("namespace");
			if (pid == null || !pid.matches("\\d{1,19}") || start == null || !start.matches("\\d{1,20}") || boot == null || namespace == null) return null;
			return new Owner(Long.parseLong(pid), start, boot, namespace);
		}
	}

	/**
	 * Models one task uses together (MeGe/ReCo's model and its fold models, however many folds):
	 * none of them is closed to make room for another of the same set.
	 */
	static List<Classifier> openTogether(List<Path> models) {
		Open open = OPEN.get();
		open.capacity = Math.max(open.capacity, models.size());
		return models.stream().map(TaskModels::open).toList();
	}
}
