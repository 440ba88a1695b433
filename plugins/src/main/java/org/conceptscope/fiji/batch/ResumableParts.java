package org.conceptscope.fiji.batch;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.write.AtomicFiles;
import org.conceptscope.util.Folders;

/**
 * The batch runner's resume mechanism for the project's other long jobs (Spark's cohort concept job):
 * the same lock (one run per work folder, {@link BatchJob.RunLock}), the same manifest and its
 * comparison ({@link BatchManifest}: ConceptScope version, model SHA-256, classes, settings, batch,
 * and every input's length, time, fingerprint and SHA-256, a resume reading again only files whose
 * stamp changed), the same journal ({@link BatchJob#journal}) and the same part files: written to a
 * temporary file, synced and renamed ({@link AtomicFiles}), sealed with a CRC-32 ({@link Checksummed}),
 * so a part is complete or absent and a damaged one is computed again. An unfinished run whose manifest
 * differs is refused in one sentence (or discarded when it finished no part, or with {@code restart});
 * a part is also stored with a key of what it was computed from beyond the manifest (a threshold, a
 * bank's hash) and is used only with that key.
 * <p>
 * A job of several passes declares once, in its plan's {@link Stage}s, which settings each pass depends
 * on (a pass depends on its own and every earlier pass's): an unfinished run whose settings alone differ
 * resumes when no kept part depends on a changed setting (its parts are reused, the passes that depend on
 * the change are computed with the new value), and is refused naming the first changed setting that a
 * kept part depends on. A finished run whose manifest is that of this run, with its outputs in place, is
 * not computed again: {@link #alreadyComplete()}, as the batch runner says "Already complete"; a run that
 * differs from a finished one whose outputs are still there is refused, as the batch runner refuses it, unless
 * {@code restart} is given (its results are not replaced by a run with other settings by mistake).
 */
public final class ResumableParts implements AutoCloseable {

	/** What a run computes: the name of the job (for sentences), its model, classes, settings, batch, inputs and parts. */
	public record Plan(String job, Path model, List<String> classes, Map<String, String> settings, int batch, Path folder, List<String> files,
		int parts, List<String> outputs, List<Stage> stages) {

		/** A plan whose every part depends on every setting. */
		public Plan(String job, Path model, List<String> classes, Map<String, String> settings, int batch, Path folder, List<String> files,
			int parts, List<String> outputs) {
			this(job, model, classes, settings, batch, folder, files, parts, outputs, List.of());
		}

		public Plan {
			stages = List.copyOf(stages);
			if (!stages.isEmpty()) {
				for (String key : settings.keySet()) {
					if (stages.stream().noneMatch(st -> st.settings().contains(key))) {
						throw new IllegalStateException("The setting " + key + " is declared for no pass of the " + job + ".");
					}
				}
			}
		}

		/**
		 * The settings the part {@code name} depends on: those of its stage and of every earlier stage (all the
		 * settings when no stage names it).
		 */
		Set<String> settingsOf(String name) {
			Set<String> out = new java.util.LinkedHashSet<>();
			for (Stage st : stages) {
				out.addAll(st.settings());
				if (name.startsWith(st.prefix() + "-")) return out;
			}
			return settings.keySet();
		}
	}

	/**
	 * A pass of a job: its parts' names start with {@code prefix-} ({@link #name}), and it depends on
	 * {@code settings} (and on what the earlier stages depend on).
	 */
	public record Stage(String prefix, Set<String> settings) {

		public Stage {
			settings = Set.copyOf(settings);
		}
	}

	public static final String PARTS = BatchJob.PARTS;
	private static final byte[] MAGIC = "CSPARTS1".getBytes(StandardCharsets.US_ASCII);

	private final Path work, partsDir, journal;
	private final BatchJob.RunLock lock;
	private final BatchManifest manifest;
	private final boolean resumed, alreadyComplete;
	private final int kept;
	private final Consumer<String> messages;

	private ResumableParts(Path work, BatchJob.RunLock lock, BatchManifest manifest, boolean resumed, boolean alreadyComplete, int kept,
		Consumer<String> messages) {
		this.work = work;
		this.partsDir = work.resolve(PARTS);
		this.journal = work.resolve(BatchJob.JOURNAL);
		this.lock = lock;
		this.manifest = manifest;
		this.resumed = resumed;
		this.alreadyComplete = alreadyComplete;
		this.kept = kept;
		this.messages = messages;
	}

	/**
	 * Takes the work folder's lock and starts or resumes the run {@code plan} describes.
	 *
	 * @param work the run's folder (created if missing), e.g. {@code save_dir/.conceptscope-concepts}
	 * @param restart discard any unfinished run there, and compute a finished one again
	 * @param messages told of a discarded run, a damaged part, a finished run found complete
	 * @throws IllegalArgumentException when another run holds the folder, an unfinished run there differs in
	 *         what its kept parts depend on, or a finished run there differs and its outputs would be replaced
	 */
	public static ResumableParts open(Path work, Plan plan, boolean restart, Consumer<String> messages) throws IOException {
		Path saveDir = work.toAbsolutePath().normalize().getParent();
		BatchJob.RunLock lock = BatchJob.RunLock.take(work, plan.job(), java.nio.channels.FileChannel::tryLock);
		try {
			BatchManifest previous = restart ? null : previous(work);
			BatchManifest now = manifest(plan, previous == null ? List.of() : previous.inputs, messages);
			if (previous != null && previous.complete && previous.difference(now) == null
				&& plan.outputs().stream().allMatch(o -> Files.isRegularFile(saveDir.resolve(o)))) {
				if (!previous.inputs.equals(now.inputs)) {
					// the same content under new times (a copy): recorded, so the next run need not read the inputs again
					previous.inputs = now.inputs;
					previous.save(work.resolve(BatchJob.MANIFEST));
				}
				messages.accept("Already complete: " + saveDir + " holds the results of this run (add restart to compute them again).");
				return new ResumableParts(work, lock, previous, false, true, 0, messages);
			}
			if (previous != null && previous.complete) {
				// as the batch runner: a finished run's results are not replaced by a differing run's unless restart is given
				String finishedDiff = previous.difference(now);
				List<String> replaced = plan.outputs().stream().filter(o -> Files.exists(saveDir.resolve(o)))
					.map(o -> saveDir.resolve(o).getFileName().toString()).toList();
				if (finishedDiff != null && !replaced.isEmpty()) {
					throw new IllegalArgumentException("save_dir " + saveDir + " holds the finished results of a run that differs in " + finishedDiff
						+ " (" + String.join(", ", replaced) + "), which this run would replace: choose another save_dir, or add restart"
						+ " to replace them.");
				}
			}
			boolean resume = false;
			int kept = 0;
			if (previous != null && !previous.complete) {
				kept = count(work.resolve(PARTS));
				resume = resumes(saveDir, plan.job(), previous, now, partsDifference(plan, previous, now, work.resolve(PARTS)), kept, null, messages);
				List<String> changed = previous.changedSettings(now);
				if (resume && kept > 0 && !changed.isEmpty()) {
					messages.accept(String.join(", ", changed.stream().map(k -> previous.settingDifference(k, now)).toList()) + " changed: no kept"
						+ " part depends on " + (changed.size() == 1 ? "it" : "them") + "; the parts that do are computed with the new "
						+ (changed.size() == 1 ? "value." : "values."));
				}
			}
			if (!resume) {
				Folders.deleteTree(work.resolve(PARTS));
				Files.deleteIfExists(work.resolve(BatchJob.JOURNAL));
				kept = 0;
			}
			numberRun(now, resume ? previous : null);
			Path parts = Files.createDirectories(work.resolve(PARTS));
			BatchJob.removeTemporaryFiles(parts);
			now.save(work.resolve(BatchJob.MANIFEST));
			BatchParts.syncFolder(work);
			ResumableParts out = new ResumableParts(work, lock, now, resume, false, kept, messages);
			out.journal((resume ? "resumed" : "started") + ": " + plan.files().size() + " files in " + plan.parts() + " parts of " + plan.batch()
				+ ", " + kept + " part files kept");
			return out;
		} catch (IOException | RuntimeException | Error e) {
			lock.close();
			throw e;
		}
	}

	/**
	 * What differs between the unfinished run {@code previous} and this one that its kept parts depend on, or
	 * null. With the plan's stages, a difference in settings alone counts only for a setting that a kept part
	 * depends on (the first such, in the manifest's order); anything else (model, inputs, batch) counts always.
	 */
	private static String partsDifference(Plan plan, BatchManifest previous, BatchManifest now, Path parts) throws IOException {
		String diff = previous.difference(now);
		if (diff == null || plan.stages().isEmpty()) return diff;
		BatchManifest sameSettings = BatchManifest.fromJson(now.toJson(), "this run's manifest");
		sameSettings.settings = previous.settings;
		if (previous.difference(sameSettings) != null) return diff; // more than the settings
		Set<String> dependedOn = new java.util.HashSet<>();
		for (String name : partNames(parts)) dependedOn.addAll(plan.settingsOf(name));
		for (String key : previous.changedSettings(now)) {
			if (dependedOn.contains(key)) return previous.settingDifference(key, now);
		}
		return null;
	}

	/**
	 * The manifest of the last run in {@code work} (null when there is none); one that cannot be read is
	 * refused in one sentence.
	 */
	static BatchManifest previous(Path work) throws IOException {
		Path file = work.resolve(BatchJob.MANIFEST);
		if (!Files.isRegularFile(file)) return null;
		try {
			return BatchManifest.load(file);
		} catch (IOException e) {
			throw new IllegalArgumentException(e.getMessage() + " Add restart to discard that run and start over.", e);
		}
	}

	/**
	 * Whether this run ({@code now}) resumes the unfinished run {@code previous} in {@code saveDir}: yes when they
	 * do not differ ({@code diff} null). When they differ, a run that kept nothing is discarded (said to
	 * {@code messages}: false); one that kept work is refused in one sentence naming what differs.
	 *
	 * @param job the runs' name in sentences ("batch run")
	 * @param parts the unfinished run's finished parts
	 * @param partial its work short of a finished part, for the sentence ("12 batches of tiles"); null when none
	 * @throws IllegalArgumentException when the runs differ and the unfinished one kept work
	 */
	static boolean resumes(Path saveDir, String job, BatchManifest previous, BatchManifest now, String diff, long parts, String partial,
		Consumer<String> messages) {
		if (diff == null) return true;
		if (parts == 0 && partial == null) {
			messages.accept("Discarding an unfinished run in " + saveDir + " that had no finished part (it differed in " + diff + ").");
			return false;
		}
		if (previous.versionDifference(now) != null) {
			throw new IllegalArgumentException("save_dir " + saveDir + " holds an unfinished " + job + " computed by another version of ConceptScope ("
				+ (previous.version == null ? "not recorded" : previous.version) + "; this is " + now.version + "), whose parts may differ from"
				+ " this version's: finish it with that version, choose another save_dir, or add restart to start afresh with this one.");
		}
		String what = parts > 0 ? "" : " (no part finished yet, but " + partial + " kept)";
		if (!previous.outputs.isEmpty() && !previous.outputs.equals(now.outputs)) throw otherResults(saveDir, job, previous, now, diff, parts, partial);
		throw new IllegalArgumentException("save_dir " + saveDir + " holds an unfinished " + job + what + " that differs in " + diff
			+ ": run it again with its settings to finish it, choose another save_dir, or add restart to discard it.");
	}

	/**
	 * The refusal for a run whose results have other names than the unfinished one's (another method, or ROIs
	 * instead of whole images): a save_dir keeps one unfinished run, so it says what {@code restart} would
	 * discard, and how to keep it instead.
	 */
	private static IllegalArgumentException otherResults(Path saveDir, String job, BatchManifest previous, BatchManifest now, String diff,
		long parts, String partial) {
		String then = previous.settings.get(AttributionSettings.METHOD), later = now.settings.get(AttributionSettings.METHOD);
		boolean otherMethod = then != null && !then.equals(later);
		String kept = parts > 0 ? parts + " finished part" + (parts == 1 ? "" : "s") : partial;
		return new IllegalArgumentException("save_dir " + saveDir + " holds an unfinished " + job + (then == null ? "" : " of method=" + then)
			+ (parts > 0 ? " (" + parts + " of " + previous.parts + " parts finished)" : " (no part finished yet, but " + partial + " kept)")
			+ " that differs in " + (otherMethod ? "method (" + then + " then, " + later + " now)" : diff) + ", and a save_dir keeps one unfinished"
			+ " run, whatever its method: run " + (otherMethod ? "method=" + then + " again" : "it again") + " with its settings to finish it (its"
			+ " results have other names, so this run can follow it here), run this one in another save_dir, or add restart to discard "
			+ (otherMethod ? then + "'s " : "its ") + kept + ".");
	}

	/** Numbers the run {@code now}: the next run of {@code resumed} since its start, or (null) a first run starting now. */
	static void numberRun(BatchManifest now, BatchManifest resumed) {
		now.started = resumed != null ? resumed.started : Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
		now.runs = resumed != null ? resumed.runs + 1 : 1;
	}

	/** Whether this run continues an unfinished one (its parts kept). */
	public boolean resumed() {
		return resumed;
	}

	/**
	 * Whether a finished run of this same plan left its outputs in place: nothing is to be computed or
	 * written (said to the messages as the batch runner says it).
	 */
	public boolean alreadyComplete() {
		return alreadyComplete;
	}

	/** Part files kept from earlier runs when this one started. */
	public int kept() {
		return kept;
	}

	/** How many runs have worked on this job (1: the first). */
	public int run() {
		return manifest.runs;
	}

	/** The part folder's file of part {@code name}. */
	public Path file(String name) {
		return partsDir.resolve(name + ".bin");
	}

	/**
	 * Part {@code name}'s bytes when its file is there, intact, and was computed with {@code key}; else null
	 * (a damaged part, or one of another key, is deleted: it is computed again).
	 */
	public byte[] read(String name, String key) throws IOException {
		Path f = file(name);
		if (!Files.isRegularFile(f)) return null;
		byte[] all = Files.readAllBytes(f);
		DataInputStream in = all.length < MAGIC.length + Checksummed.TRAILER ? null : Checksummed.body(all, MAGIC);
		String storedName = null, storedKey = null;
		byte[] body = null;
		if (in != null) {
			try {
				storedName = in.readUTF();
				storedKey = in.readUTF();
				body = new byte[in.readInt()];
				in.readFully(body);
			} catch (IOException | NegativeArraySizeException e) {
				body = null;
			}
		}
		if (body == null || !name.equals(storedName)) {
			messages.accept("The part " + f + " is damaged; it is computed again.");
			Files.delete(f);
			return null;
		}
		if (!key.equals(storedKey)) {
			Files.delete(f); // computed from other results of an earlier pass: never used
			return null;
		}
		return body;
	}

	/**
	 * Writes part {@code name} (complete or absent after a crash) and journals {@code line}; a failure names
	 * the part's file and leaves no temporary file.
	 */
	public void write(String name, String key, byte[] body, String line) throws IOException {
		byte[] sealed = Checksummed.sealed(body.length + 64, out -> {
			out.write(MAGIC);
			out.writeUTF(name);
			out.writeUTF(key);
			out.writeInt(body.length);
			out.write(body);
		});
		AtomicFiles.writeNow(file(name), sealed);
		BatchParts.syncFolder(partsDir);
		journal(line);
	}

	/** Appends {@code run N <line>} to the journal. */
	public void journal(String line) throws IOException {
		BatchJob.journal(journal, "run " + manifest.runs + " " + line);
	}

	/** The run is finished: recorded as complete in its manifest, its part files deleted (manifest and journal stay as its record). */
	public void complete() throws IOException {
		manifest.complete = true;
		manifest.save(work.resolve(BatchJob.MANIFEST));
		journal("complete: " + String.join(", ", manifest.outputs));
		Folders.deleteTree(partsDir);
	}

	/**
	 * A failure to write in save_dir as the batch runner says it: one sentence with the file, the reason and
	 * what to do.
	 */
	public static String writeFailure(Path saveDir, IOException e, boolean partsKept) {
		return BatchJob.writeFailure(saveDir, e, partsKept);
	}

	@Override
	public void close() throws IOException {
		lock.close();
	}

	private static BatchManifest manifest(Plan plan, List<BatchInputs.Input> known, Consumer<String> messages) throws IOException {
		BatchManifest m = new BatchManifest();
		m.version = BatchManifest.currentVersion();
		m.model = plan.model().toAbsolutePath().normalize().toString();
		m.modelSha256 = BatchManifest.hashFolder(plan.model());
		m.classes = List.copyOf(plan.classes());
		m.settings = new java.util.LinkedHashMap<>(plan.settings());
		m.batch = plan.batch();
		m.entries = plan.files().size();
		m.parts = plan.parts();
		m.input = plan.folder().toAbsolutePath().normalize().toString();
		m.folder = true;
		m.outputs = List.copyOf(plan.outputs());
		List<BatchInputs.Input> stamped = new ArrayList<>();
		List<Path> files = new ArrayList<>();
		for (String name : plan.files()) {
			Path f = plan.folder().resolve(name);
			// the batch runner's stamp: a file whose length, time and fingerprint are recorded is not read whole again
			stamped.add(new BatchInputs.Input(name, Files.size(f), Files.getLastModifiedTime(f).toMillis(), BatchInputs.fingerprint(f),
				null, 0, 0, 0, 0, 0, 0));
			files.add(f);
		}
		m.inputs.addAll(BatchInputs.withSha256(stamped, files, known, toRead -> {
			if (toRead >= 1L << 30) {
				messages.accept("Reading the inputs whole once (" + org.conceptscope.fiji.image.ImagePlusTensors.readableSize(toRead)
					+ ") for their SHA-256, so that a resumed run can tell they are unchanged...");
			}
		}));
		return m;
	}

	private static int count(Path parts) throws IOException {
		return partNames(parts).size();
	}

	/** The names of the part files in {@code parts}. */
	private static List<String> partNames(Path parts) throws IOException {
		if (!Files.isDirectory(parts)) return List.of();
		try (Stream<Path> s = Files.list(parts)) {
			return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".bin")).map(n -> n.substring(0, n.length() - 4)).toList();
		}
	}

	/** {@code <prefix>-000042}: a part's name. */
	public static String name(String prefix, int index) {
		return String.format(Locale.ROOT, "%s-%06d", prefix, index);
	}
}
