"""Flask extensions, created unbound; `create_app` binds them."""

from functools import cached_property

from babel import support
from flask_babel import Babel, Domain, get_locale
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from pmsys.db import Base


class CatalogueDomain(Domain):
    """Load the messages catalogue also from a folder named without the script (zh_CN)."""

    def get_translations(self):
        """Return the request locale's translations, loaded once per locale."""
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        key = str(locale)
        if key not in self.cache:
            # Babel reads "zh_CN" as zh_Hans_CN, for which gettext looks only in
            # zh_Hans_CN/ and zh/, never in the zh_CN/ folder the catalogue lives in.
            names = [key]
            if locale.script and locale.territory:
                names.append(f"{locale.language}_{locale.territory}")
            names.append(locale.language)
            translations = support.Translations()
            for index, dirname in enumerate(self.translation_directories):
                domain = self.domain[0] if len(self.domain) == 1 else self.domain[index]
                catalogue = support.Translations.load(dirname, names, domain)
                translations.merge(catalogue)
                # merge() keeps the messages but not the plural rule (one form in Chinese).
                if hasattr(catalogue, "plural"):
                    translations.plural = catalogue.plural
            self.cache[key] = translations
        return self.cache[key]


class CatalogueBabel(Babel):
    """Flask-Babel whose default domain is a `CatalogueDomain`."""

    @cached_property
    def domain_instance(self):
        return CatalogueDomain(domain=self.domain)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = CatalogueBabel()
