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
import java.util.function.Consumer;
import java.util.stream.Stream;

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
 */
public final class ResumableParts implements AutoCloseable {

	/** What a run computes: the name of the job (for sentences), its model, classes, settings, batch, inputs and parts. */
	public record Plan(String job, Path model, List<String> classes, Map<String, String> settings, int batch, Path folder, List<String> files,
		int parts, List<String> outputs) {}

	public static final String PARTS = BatchJob.PARTS;
	private static final byte[] MAGIC = "CSPARTS1".getBytes(StandardCharsets.US_ASCII);

	private final Path work, partsDir, journal;
	private final BatchJob.RunLock lock;
	private final BatchManifest manifest;
	private final boolean resumed;
	private final int kept;
	private final Consumer<String> messages;

	private ResumableParts(Path work, BatchJob.RunLock lock, BatchManifest manifest, boolean resumed, int kept, Consumer<String> messages) {
		this.work = work;
		this.partsDir = work.resolve(PARTS);
		this.journal = work.resolve(BatchJob.JOURNAL);
		this.lock = lock;
		this.manifest = manifest;
		this.resumed = resumed;
		this.kept = kept;
		this.messages = messages;
	}

	/**
	 * Takes the work folder's lock and starts or resumes the run {@code plan} describes.
	 *
	 * @param work the run's folder (created if missing), e.g. {@code save_dir/.conceptscope-concepts}
	 * @param restart discard any unfinished run there
	 * @param messages told of a discarded run, a damaged part
	 * @throws IllegalArgumentException when another run holds the folder, or an unfinished run there differs
	 */
	public static ResumableParts open(Path work, Plan plan, boolean restart, Consumer<String> messages) throws IOException {
		Path saveDir = work.toAbsolutePath().normalize().getParent();
		BatchJob.RunLock lock = BatchJob.RunLock.take(work, plan.job(), java.nio.channels.FileChannel::tryLock);
		try {
			BatchManifest previous = restart ? null : previous(work);
			BatchManifest now = manifest(plan, previous == null ? List.of() : previous.inputs, messages);
			boolean resume = false;
			int kept = 0;
			if (previous != null && !previous.complete) {
				kept = count(work.resolve(PARTS));
				resume = resumes(saveDir, plan.job(), previous, now, previous.difference(now), kept, null, messages);
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
			ResumableParts out = new ResumableParts(work, lock, now, resume, kept, messages);
			out.journal((resume ? "resumed" : "started") + ": " + plan.files().size() + " files in " + plan.parts() + " parts of " + plan.batch()
				+ ", " + kept + " part files kept");
			return out;
		} catch (IOException | RuntimeException | Error e) {
			lock.close();
			throw e;
		}
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
		throw new IllegalArgumentException("save_dir " + saveDir + " holds an unfinished " + job + what + " that differs in " + diff
			+ ": run it again with its settings to finish it, choose another save_dir, or add restart to discard it.");
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
				messages.accept("Reading the inputs whole once (" + org.conceptscope.fiji.image.ImagePlusTensors.gigabytes(toRead)
					+ ") for their SHA-256, so that a resumed run can tell they are unchanged...");
			}
		}));
		return m;
	}

	private static int count(Path parts) throws IOException {
		if (!Files.isDirectory(parts)) return 0;
		try (Stream<Path> s = Files.list(parts)) {
			return (int) s.filter(p -> p.getFileName().toString().endsWith(".bin")).count();
		}
	}

	/** {@code <prefix>-000042}: a part's name. */
	public static String name(String prefix, int index) {
		return String.format(Locale.ROOT, "%s-%06d", prefix, index);
	}
}
