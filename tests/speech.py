"""Speech for tests: espeak-ng voices in many languages, resampled to 8 kHz by sox.

Used by the talk-off conformance test (speech must never produce a DTMF digit) and
by the voice-activity tests. Utterances are synthesised once per machine and kept in
a cache folder, so only the first test session pays for them.

sox is used for resampling on purpose: it is an independent peer, so a bug in our
own resampler cannot hide a talk-off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# A few sentences per language, written for this corpus: ordinary call-centre talk,
# numbers, and long vowels (the likeliest to imitate a tone pair).
SENTENCES: dict[str, list[str]] = {
    "en": [
        "Good morning, thank you for calling. How can I help you today?",
        "My order number is four seven one nine, and it still has not arrived.",
        "Please hold the line, an operator will be with you shortly.",
        "Oh, I see. Well, I would like to speak to someone about my bill, please.",
    ],
    "ru": [
        "Здравствуйте, спасибо за звонок. Чем я могу вам помочь?",
        "Мой номер заказа семь три девять пять, а посылки всё ещё нет.",
        "Пожалуйста, оставайтесь на линии, оператор скоро ответит.",
        "Я хотела бы узнать, почему мне дважды выставили счёт за этот месяц.",
    ],
    "uk": [
        "Доброго дня, дякуємо за дзвінок. Чим можу допомогти?",
        "Номер мого замовлення вісім два шість один, але його досі немає.",
        "Будь ласка, залишайтеся на лінії, оператор незабаром відповість.",
        "Я хочу поскаржитися на якість зв'язку минулого тижня.",
    ],
    "fa": [
        "سلام، از تماس شما متشکریم. چطور می توانم کمکتان کنم؟",
        "شماره سفارش من چهار هشت دو یک است و هنوز نرسیده است.",
        "لطفا پشت خط بمانید، اپراتور به زودی پاسخ می دهد.",
        "می خواهم درباره صورت حساب این ماه با کسی صحبت کنم.",
    ],
    "de": [
        "Guten Tag, vielen Dank für Ihren Anruf. Wie kann ich Ihnen helfen?",
        "Meine Bestellnummer ist neun drei sieben zwei, sie ist noch nicht da.",
        "Bitte bleiben Sie am Apparat, ein Mitarbeiter ist gleich für Sie da.",
    ],
    "es": [
        "Buenos días, gracias por llamar. ¿En qué puedo ayudarle?",
        "Mi número de pedido es cinco cuatro ocho uno y todavía no ha llegado.",
        "Por favor, espere en línea, un operador le atenderá enseguida.",
    ],
    "fr": [
        "Bonjour, merci de votre appel. Comment puis-je vous aider?",
        "Mon numéro de commande est six deux neuf trois, je ne l'ai pas reçue.",
        "Veuillez patienter, un conseiller va prendre votre appel.",
    ],
    "pl": [
        "Dzień dobry, dziękujemy za telefon. W czym mogę pomóc?",
        "Mój numer zamówienia to trzy osiem jeden siedem i wciąż go nie ma.",
    ],
    "tr": [
        "İyi günler, aradığınız için teşekkürler. Size nasıl yardımcı olabilirim?",
        "Sipariş numaram dört altı iki sekiz ve hâlâ gelmedi.",
    ],
    "ar": [
        "مرحبا، شكرا لاتصالك. كيف يمكنني مساعدتك اليوم؟",
        "رقم طلبي هو خمسة ثلاثة تسعة واحد ولم يصل بعد.",
    ],
    "hi": [
        "नमस्ते, कॉल करने के लिए धन्यवाद। मैं आपकी क्या मदद कर सकता हूँ?",
        "मेरा ऑर्डर नंबर सात दो पांच नौ है और वह अभी तक नहीं आया।",
    ],
    "cmn": [
        "您好，感谢您的来电。请问有什么可以帮您？",
        "我的订单号是六一八四，到现在还没有收到。",
    ],
    "it": [
        "Buongiorno, grazie per aver chiamato. Come posso aiutarla?",
        "Il mio numero d'ordine è otto cinque due sei e non è ancora arrivato.",
    ],
    "pt": [
        "Bom dia, obrigado pela sua chamada. Em que posso ajudar?",
        "O número do meu pedido é dois nove quatro sete e ainda não chegou.",
    ],
}

# Voice variants, pitches (0–99) and speeds (words per minute) to spread the
# fundamental and the formants over the whole range a caller might have.
VARIANTS = ("", "+f3", "+m3", "+f5")
PITCHES = (25, 50, 80)
SPEEDS = (130, 175)


@dataclass(frozen=True)
class Utterance:
    lang: str
    voice: str
    pitch: int
    speed: int
    text: str

    @property
    def label(self) -> str:
        return f"{self.voice} p{self.pitch} s{self.speed}: {self.text[:30]}"


def have_tools() -> bool:
    """True when espeak-ng and sox are both installed."""
    return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None


def corpus() -> list[Utterance]:
    """Every utterance of the talk-off corpus (over 20 minutes of speech at 8 kHz)."""
    out = []
    for lang, sentences in SENTENCES.items():
        for i, text in enumerate(sentences):
            for v, variant in enumerate(VARIANTS):
                for p, pitch in enumerate(PITCHES):
                    # Every utterance gets one speed, so the corpus stays varied but bounded.
                    speed = SPEEDS[(i + v + p) % len(SPEEDS)]
                    out.append(Utterance(lang, lang + variant, pitch, speed, text))
    return out


def cache_dir() -> Path:
    root = os.environ.get("HOTLINE_SPEECH_CACHE")
    path = Path(root) if root else Path(tempfile.gettempdir()) / "hotline-speech-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def synthesize(u: Utterance, sample_rate: int = 8000) -> np.ndarray:
    """int16 PCM of one utterance at ``sample_rate`` (cached on disk)."""
    key = hashlib.sha256(repr((u, sample_rate)).encode()).hexdigest()[:20]
    path = cache_dir() / f"{key}.s16"
    if not path.exists():
        espeak = subprocess.run(
            [
                "espeak-ng",
                "-v",
                u.voice,
                "-p",
                str(u.pitch),
                "-s",
                str(u.speed),
                "--stdout",
                u.text,
            ],
            check=True,
            capture_output=True,
        )
        sox = subprocess.run(
            [
                "sox",
                "-t",
                "wav",
                "-",
                "-r",
                str(sample_rate),
                "-c",
                "1",
                "-e",
                "signed",
                "-b",
                "16",
                "-t",
                "raw",
                "-",
            ],
            input=espeak.stdout,
            check=True,
            capture_output=True,
        )
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(sox.stdout)
        tmp.replace(path)
    return np.frombuffer(path.read_bytes(), dtype="<i2").astype(np.int16)
